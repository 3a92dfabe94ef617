// Platforms without recvmmsg/sendmmsg (anything but Linux): an empty module. fast-udp.ts sees no
// open() and reports the native path unavailable, so the server uses node:dgram.
#include <node_api.h>

static napi_value init(napi_env env, napi_value exports) {
  (void)env;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
