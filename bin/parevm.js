#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=64
await import('../dist/cli/main.js')
