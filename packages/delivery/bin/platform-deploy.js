#!/usr/bin/env node
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..", "..");
require("../lib/cli")
  .main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), root })
  .then((code) => { process.exitCode = code; });
