#!/usr/bin/env node
// `npx custodia …`: runs src/main.ts on the repository's pinned Node (npx puts
// node_modules/.bin, and so Node 24, first on the PATH).
import { main } from '../src/main.ts';

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e) => {
    console.error(`custodia: ${e.message}`);
    process.exitCode = 1;
  },
);
