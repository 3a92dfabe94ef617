{
  "targets": [
    {
      "target_name": "clusterdns_udp",
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-O3"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_c": ["-std=gnu11"],
      "conditions": [
        ["OS=='linux'", { "sources": ["native/udp.c"] }, { "sources": ["native/stub.c"] }]
      ]
    }
  ]
}
