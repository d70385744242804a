// npm run lint:openapi: writes the OpenAPI document with every optional route on and lints it with
// @redocly/cli against redocly.yaml. Offline: telemetry and the update check are turned off.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fullOpenApiDocument } from '../api/openapi.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const document = fullOpenApiDocument();

const dir = mkdtempSync(join(tmpdir(), 'gpubatch-openapi-'));
try {
  writeFileSync(join(dir, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  const result = spawnSync(
    join(root, 'node_modules', '.bin', 'redocly'),
    [
      'lint',
      '--config',
      join(root, 'redocly.yaml'),
      '--format',
      'stylish',
      '--lint-config',
      'error',
      'openapi.json',
    ],
    {
      cwd: dir, // so problems are reported against "openapi.json", not a temporary path
      stdio: 'inherit',
      env: {
        ...process.env,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
        REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
      },
    },
  );
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
