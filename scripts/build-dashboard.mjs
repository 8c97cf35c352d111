// Bundles the dashboard (dashboard/) into dist/dashboard with esbuild. STUB: being implemented (issue 6).
console.log('dashboard: not built yet');
