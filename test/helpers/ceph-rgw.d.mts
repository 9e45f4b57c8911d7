export interface CephRgw {
  /** "http://127.0.0.1:PORT": the S3 endpoint. */
  readonly endpoint: string;
  readonly port: number;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly dir: string;
  /** Takes the S3 endpoint down (the cluster stays), and brings it back on the same port. */
  stopGateway(): Promise<void>;
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

export const RGW_CREDENTIALS: CephRgw['credentials'];
export function cephAvailable(): boolean;
export function startCephRgw(options?: { parent?: string }): Promise<CephRgw>;
