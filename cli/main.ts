import { runCli } from './program';

/** The `eksflow` command: the process's IO, Ctrl-C ends a watch (exit 130, as shells report SIGINT). */
const SIGINT_EXIT = 130;

process.on('SIGINT', () => process.exit(SIGINT_EXIT));
// The AWS SDK warns on Node 20 about its releases after January 2027, in the middle of a command's output (and of a
// pipeline's log); the README already asks for Node 22. The SDK's own switch turns it off, for this process only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}).then((code) => {
  process.exitCode = code;
});
