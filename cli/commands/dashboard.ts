import type { Command } from 'commander';
import { startDashboard } from '../../ui/serve';
import { type Context, parseInteger } from '../context';

/** The dashboard's default port: beside the sandbox API's 3000. */
export const DASHBOARD_DEFAULT_PORT = 3100;

export function dashboardCommand(program: Command, ctx: Context): void {
  program
    .command('dashboard')
    .description('serve the web dashboard on 127.0.0.1; it signs its API calls with your credentials')
    .option(
      '--port <port>',
      'port on 127.0.0.1 (0: any free one)',
      (v) => parseInteger('--port', v),
      DASHBOARD_DEFAULT_PORT,
    )
    .addHelpText(
      'after',
      `
Open the URL it prints: it holds a session token that every call of the page must carry, so that no other
page or local user can use your credentials through it. Ctrl-C stops it.

Examples:
  $ eksflow dashboard
  $ eksflow dashboard --api https://abc123.execute-api.eu-west-1.amazonaws.com --port 8080`,
    )
    .action(async (o) => {
      const { url, region, credentials } = ctx.endpoint;
      const dashboard = await startDashboard({ apiUrl: url, signing: { region, credentials }, port: o.port });
      ctx.line(`eksflow dashboard for ${url}`);
      ctx.line(`open ${dashboard.url}`);
      await (ctx.io.interrupted ?? new Promise<void>(() => undefined));
      await dashboard.close();
    });
}
