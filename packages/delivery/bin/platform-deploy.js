#!/usr/bin/env node
// The AWS SDK's Node-version advisory would land in the middle of the deploy log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..", "..");
require("../lib/cli")
  .main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, root })
  .then((code) => { process.exitCode = code; });
