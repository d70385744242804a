// Renders /openapi.json with Swagger UI. A file of its own rather than an inline script, so the page
// works under a Content-Security-Policy without 'unsafe-inline'.
/* global SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', () => {
  window.ui = SwaggerUIBundle({
    // Relative to /docs/, so the page also works behind a proxy that adds a path prefix.
    url: new URL('../openapi.json', window.location.href).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // The document's own server ('/'), never swagger's online validator: nothing leaves this origin.
    validatorUrl: null,
  });
});
