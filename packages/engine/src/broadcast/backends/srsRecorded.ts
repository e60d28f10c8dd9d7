/**
 * SRS's side of the exchanges, shaped from its own sources (ossrs/srs @101382a, 6.0 line), for
 * the SRS preset's tests (SRS cannot run here):
 *
 * - trunk/src/app/srs_app_http_hooks.cpp, SrsHttpHooks::on_publish / on_unpublish / on_play /
 *   on_stop: the JSON fields and their order (server_id, service_id, action, client_id, ip,
 *   vhost, app, tcUrl, stream, param, [pageUrl for on_play], stream_url, stream_id).
 * - …SrsHttpHooks::do_post: SRS allows only on HTTP 200/201 with a body that is `0` or an object
 *   whose integer `code` is 0.
 * - trunk/src/app/srs_app_rtc_api.cpp, SrsGoApiRtcWhip::do_serve_http: for WHIP/WHEP the hook's
 *   `param` is the raw query string (`app=…&stream=…&token=…`, no `?`), `tcUrl` is not set, and
 *   the vhost resolves to `__defaultVhost__` unless configured; serve_http answers 201 with
 *   `Location: /rtc/v1/whip/?action=delete&token=<SRS's own>&app=…&stream=…&session=…` and, on
 *   an error (a refused hook), returns without a response: the connection is closed.
 * - trunk/conf/full.conf, `http_hooks`: the example values below (client ids, server ids).
 */

export type SrsHookEvent = 'on_publish' | 'on_unpublish' | 'on_play' | 'on_stop';

/** A hook body as SRS 6 posts it for a WHIP/WHEP session on `query`. */
export function srsHookBody(event: SrsHookEvent, query: URLSearchParams, clientId = '9308h583'): Record<string, unknown> {
  const app = query.get('app') ?? 'live';
  const stream = query.get('stream') ?? 'livestream';
  const body: Record<string, unknown> = {
    server_id: 'vid-werty',
    service_id: 'k2j1h0g9',
    action: event,
    client_id: clientId,
    ip: '192.168.1.10',
    vhost: '__defaultVhost__',
    app,
    tcUrl: '',
    stream,
    param: query.toString(),
  };
  if (event === 'on_play') body.pageUrl = '';
  body.stream_url = `/${app}/${stream}`;
  body.stream_id = 'vid-124q9y3';
  return body;
}

/** SRS's own do_post check: does this hook answer allow? */
export function srsAllows(status: number, body: unknown): boolean {
  if (status !== 200 && status !== 201) return false;
  if (body === 0) return true;
  return typeof body === 'object' && body !== null && (body as { code?: unknown }).code === 0;
}

/** The Location SRS answers a WHIP or WHEP POST with. */
export function srsLocation(query: URLSearchParams, session: string, srsToken: string): string {
  return `/rtc/v1/whip/?action=delete&token=${srsToken}&app=${query.get('app') ?? 'live'}&stream=${query.get('stream') ?? 'livestream'}&session=${session}`;
}

/** An RTMP publish's hook body (param with `?`), as in full.conf's example: never an MWSE session. */
export const SRS_RTMP_ON_PUBLISH = {
  action: 'on_publish',
  client_id: '9308h583',
  ip: '192.168.1.10',
  vhost: 'video.test.com',
  app: 'live',
  stream: 'livestream',
  param: '?token=xxx&salt=yyy',
  server_id: 'vid-werty',
  stream_url: 'video.test.com/live/livestream',
  stream_id: 'vid-124q9y3',
};
