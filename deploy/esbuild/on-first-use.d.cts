/** Types of on-first-use.cjs, for the bench and the tests that read the list. */
export declare const ON_FIRST_USE: readonly { request: string; module: string }[];
export declare function requestFilter(request: string): RegExp;
