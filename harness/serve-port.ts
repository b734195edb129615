/** serve's first port: not the reference PDS's 2583, so both can run side by side. Its own module, for a cheap CLI start. */
export const DEFAULT_SERVE_PORT = 6583
