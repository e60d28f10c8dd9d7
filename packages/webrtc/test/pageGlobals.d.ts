// What the test page (harness.ts PAGE, pageHelpers.js) puts on `window`, for page.evaluate bodies.
/* eslint-disable no-var */
declare var T: any;
declare var W: any;
declare var mwse: any;
declare var logs: Record<string, any>;
declare var shared: any;
