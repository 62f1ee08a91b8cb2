/**
 * Page tokens (`nextToken`) of the rollout list: opaque to the caller, bound to who asked and the filter
 * (core/adapters/crypto/page-token.ts seals them).
 */
/** What a token is bound to: who asked, and the query's filter (not its page size, which a client may change). */
export interface PageTokenBinding {
  principal: string;
  cluster: string;
  namespace?: string;
  deployment?: string;
  /** Which list, when it is not the rollout list (`history/<id>`): a token of one list never opens another. */
  list?: string;
}

export interface PageTokens {
  /** A token for `position`, usable only with the same binding. */
  seal(position: string, binding: PageTokenBinding): string;
  /** The position in a token sealed for `binding`; anything else is a 400 naming `nextToken`. */
  open(token: string, binding: PageTokenBinding): string;
}
