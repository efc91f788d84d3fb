{
  "variables": {
    "tree_sitter%": "<!(node -p \"require('path').dirname(require.resolve('tree-sitter/package.json'))\")"
  },
  "targets": [
    {
      "target_name": "tree_flat",
      "sources": ["flat.c", "tree_sitter.c"],
      "include_dirs": ["<(tree_sitter)/vendor/tree-sitter/lib/include", "<(tree_sitter)/vendor/tree-sitter/lib/src"],
      "defines": ["_POSIX_C_SOURCE=200112L", "_DEFAULT_SOURCE", "NAPI_VERSION=8"],
      "cflags_c": ["-std=c11", "-O2", "-fvisibility=hidden"]
    }
  ]
}
