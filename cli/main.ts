import { runCli } from './program';

/** The `eksflow` command: the process's IO, Ctrl-C ends a watch (exit 130, as shells report SIGINT). */
const SIGINT_EXIT = 130;

process.on('SIGINT', () => process.exit(SIGINT_EXIT));
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
