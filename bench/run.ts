// `npm run bench`: runs the benchmarks, prints a table, and keeps the JSON under .gpubatch/bench/.
import { report, saveJson, throughput } from './throughput.ts';

const result = await throughput();
console.log(report(result));
console.log(`json: ${saveJson(result, '.gpubatch/bench')}`);
