/** The sidecar's version, as `askr --version` prints it. */
export const VERSION = '0.1.0';
