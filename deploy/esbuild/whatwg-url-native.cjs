// Bundled in place of whatwg-url (serverless.yml custom.esbuild.alias). node-fetch 2, client-node's HTTP
// client, only falls back to whatwg-url when Node has no URL class (`Url.URL || whatwgUrl.URL`); Node 22
// always has one, so the package (about 300 KB with tr46's Unicode table) would be dead weight to parse.
module.exports = { URL: require('node:url').URL };
