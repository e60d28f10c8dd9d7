/**
 * WHEP exchanges as real servers answer them, for the WHEP tests (no WHEP server installs here
 * from the npm registry or Debian). Status codes, headers, Location shapes and error bodies are
 * taken from each server's source, named per entry; the SDP bodies are a representative answer
 * (what the backend checks of an answer is its media type, `v=0` and the size bound).
 */
import { ANSWER } from './whipFakeServer.js';

export interface RecordedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

export interface RecordedWhepServer {
  /** Where the shapes come from. */
  source: string;
  /** Endpoint path for stream `cam` (what a WHEP URL template expands to). */
  endpoint: string;
  created: RecordedResponse;
  notLive: RecordedResponse;
  refused: RecordedResponse;
  deleted: RecordedResponse;
  /** PATCH answers; `undefined` where the server's resource URL must not be PATCHed. */
  patchAlive?: RecordedResponse;
  patchGone?: RecordedResponse;
}

const uuid = '4e0c6d56-8a0b-4a4e-9c55-0e7d2b7d2f11';

export const RECORDED_WHEP: Record<'mediamtx' | 'janus' | 'srs', RecordedWhepServer> = {
  mediamtx: {
    source:
      'bluenviron/mediamtx @3e09466, internal/servers/webrtc/http_server.go: onWHIPPost (201, ETag "*", ID, ' +
      'Accept-Patch, Link, Location = sessionLocation()), writeErrorNoLog ({"status":"error","error":…}), ' +
      'onWHIPPatch (204 / 404 ErrSessionNotFound), onWHIPDelete (200 {"status":"ok"}); session.go: ' +
      '404 on PathNoStreamAvailableError, 400 on other reader/offer errors',
    endpoint: '/cam/whep',
    created: {
      status: 201,
      headers: {
        'content-type': 'application/sdp',
        'access-control-expose-headers': 'ETag, ID, Accept-Patch, Link, Location',
        etag: '*',
        id: 'b7f5c7b2-1f0e-4a6b-8f8f-3f6f2f0c9a10',
        'accept-patch': 'application/trickle-ice-sdpfrag',
        link: ['<stun:stun.l.google.com:19302>; rel="ice-server"'],
        location: `/cam/whep/${uuid}`,
      },
      body: ANSWER,
    },
    notLive: {
      status: 404,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: `{"status":"error","error":"no stream is available on path 'cam'"}`,
    },
    refused: {
      status: 400,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"status":"error","error":"invalid SDP"}',
    },
    deleted: { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"status":"ok"}' },
    patchAlive: { status: 204, headers: {}, body: '' },
    patchGone: {
      status: 404,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"status":"error","error":"session not found"}',
    },
  },
  janus: {
    source:
      'meetecho/simple-whep-server @18cea40, src/whep.js: POST /endpoint/:id (404 "Invalid endpoint ID", ' +
      '403 "Unauthorized", 406, 503 "Janus unavailable", 201 application/sdp with Location ' +
      'basePath + /resource/<uuid>, quoted ETag, Accept-Patch), PATCH /resource/:uuid (204 / 404 "Invalid resource ID")',
    endpoint: '/whep/endpoint/cam',
    created: {
      status: 201,
      headers: {
        'content-type': 'application/sdp',
        'access-control-expose-headers': 'Location, Link',
        'accept-patch': 'application/trickle-ice-sdpfrag',
        location: '/whep/resource/Qm9Lb2tqS2xXcVpa',
        etag: '"aV3xr8TtLp0sQe2N"',
      },
      body: ANSWER,
    },
    notLive: { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: 'Invalid endpoint ID' },
    refused: { status: 403, headers: { 'content-type': 'text/html; charset=utf-8' }, body: 'Unauthorized' },
    deleted: { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'OK' },
    patchAlive: { status: 204, headers: {}, body: '' },
    patchGone: { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: 'Invalid resource ID' },
  },
  srs: {
    source:
      'ossrs/srs @101382a, trunk/src/app/srs_app_rtc_api.cpp: SrsGoApiRtcWhip::serve_http (201, ' +
      'Content-Type application/sdp, Connection: Close, Location /rtc/v1/whip/?action=delete&token=&app=&stream=&session= ' +
      'also for /rtc/v1/whep/; DELETE → 200 empty; on any error the handler returns without a response and ' +
      'srs_app_http_conn.cpp closes the connection); SRS plays a stream before it is published, so it has no "not live" answer',
    endpoint: '/rtc/v1/whep/?app=live&stream=cam',
    created: {
      status: 201,
      headers: {
        connection: 'Close',
        'content-type': 'application/sdp',
        location: '/rtc/v1/whip/?action=delete&token=7a1c2d3e&app=live&stream=cam&session=k2j1h0g9:a8b7c6d5',
      },
      body: ANSWER,
    },
    notLive: { status: 0, headers: {}, body: '' },
    refused: { status: 0, headers: {}, body: '' },
    deleted: { status: 200, headers: { connection: 'Close', 'content-length': '0' }, body: '' },
  },
};
