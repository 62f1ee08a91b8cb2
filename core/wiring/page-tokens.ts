import { aesGcmPageTokens, pageTokenKeyFrom } from '../adapters/crypto/page-token';
import type { Container } from './container';
import { port, type WiringContext } from './context';

/** Without a key a list still answers its first page; only a page token needs the key, and says so. */
export const pageTokens = (ctx: WiringContext): Container['pageTokens'] =>
  port(ctx, 'pageTokens', () => {
    if (ctx.config.pageTokenKey) return aesGcmPageTokens(pageTokenKeyFrom(ctx.config.pageTokenKey));
    const missing = () => {
      throw new Error('EKSFLOW_PAGE_TOKEN_KEY is not set: page tokens cannot be sealed or opened');
    };
    return { seal: missing, open: missing };
  });
