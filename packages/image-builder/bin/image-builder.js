#!/usr/bin/env node
// The AWS SDK prints a multi-line Node-version advisory on stderr on every run under Node 20,
// in the middle of the progress output; the engines field already states the supported range.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("../lib/cli").main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
