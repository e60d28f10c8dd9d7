/** A certificate made by {@link selfSignedCertificate}: PEM files in `dir`. */
export interface SelfSignedCertificate {
  dir: string;
  certFile: string;
  keyFile: string;
  /** The certificate's PEM text, to trust it as a CA (`ca` of ws, https). */
  cert: string;
  /** Delete `dir`. */
  remove(): void;
}
/** A self-signed certificate for localhost and 127.0.0.1 made by openssl; `passphrase` encrypts the key. */
export declare function selfSignedCertificate(options?: { passphrase?: string }): SelfSignedCertificate;
