#!/usr/bin/env node
// The CLI's entry: bin/image-builder (the command) runs it, and so may `node bin/image-builder.js`.
// The AWS SDK prints a multi-line Node-version advisory on stderr on every run under Node 20,
// in the middle of the progress output; the engines field already states the supported range.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// Exit as soon as the output is flushed: every request and child process has been awaited by
// then, and letting Node wind down by itself waits for V8's background work (optimising
// compiles of code that will never run again), which costs a no-op publish up to a second.
const flushed = (stream) => new Promise((resolve) => stream.write("", resolve));
// lib/cli.bundle.js is lib/cli.js and what it loads, bundled by the compile task (scripts/bundle-cli.ts;
// config and zod load from their own bundle when first used): Node's module loading spent ~60 ms of
// every run resolving and reading small files.
const cli = require("../lib/cli.bundle");
// The certificates bin/image-builder kept Node from reading at start-up (see there), before any TLS.
cli.trustDeferredExtraCaCertificates(process.env);
cli.main(process.argv.slice(2)).then(async (code) => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
});
