/**
 * The network between eksflow's functions and a cluster's API endpoint. Deployed it is the VPC's own and this
 * port is absent: every connection goes to the endpoint. The sandbox models a VPC through it (local/sandbox/
 * network-model.ts): a connection the modelled VPC would not carry is sent to an address that never answers,
 * so it fails as it would in Lambda, by a connect timeout, while every error still names the endpoint.
 */
export interface NetworkPath {
  /** `host:port` that a connection to `server`, the endpoint of `cluster`, really goes to; undefined: the server. */
  connectVia(cluster: string, server: string): Promise<string | undefined>;
}
