// Preloaded into the deployer process by the memory benchmark (`node -r`): reports the process's
// peak resident set size at exit, as `process.resourceUsage().maxRSS` (KiB) measures it.
'use strict';
process.on('exit', () => {
  require('node:fs').writeSync(2, `\npeak-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
