#!/usr/bin/env node
process.exitCode = require("../lib/cli").main(process.argv.slice(2));
