#!/usr/bin/env node
// The package's command; the code is plugin/cli.ts, built to dist/. Plain JS in the repository,
// so npm links it on install before dist/ is built.
import { main } from '../dist/plugin/cli.js';

process.exitCode = await main(process.argv.slice(2));
