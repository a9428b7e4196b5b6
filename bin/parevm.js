#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=64 --heap-growing-percent=50
await import('../dist/cli/main.js')
