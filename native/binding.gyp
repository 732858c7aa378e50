{
  "targets": [
    {
      "target_name": "lgm_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/conv_tune.cc", "src/conv_winograd.cc", "src/matmul.cc", "src/pool.cc", "src/reduce.cc", "src/tile.cc", "src/slice.cc", "src/elementwise.cc", "src/lgm_distance.cc", "src/lgm_loss.cc", "src/batchnorm.cc", "src/prelu.cc", "src/sgd.cc", "src/winograd.cc", "src/winograd_filter.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-fno-trapping-math", "-std=c++17", "-fvisibility=hidden", "-fopenmp"],
      "ldflags": ["-fopenmp"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-ldnnl"]
    }
  ]
}
