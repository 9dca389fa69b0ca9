#!/usr/bin/env node
require('../lib/cli').main().then((code) => {
  process.exitCode = code;
});
