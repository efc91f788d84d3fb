// tree-sitter's runtime, compiled from the sources that the tree-sitter package vendors (binding.gyp puts
// them on the include path), so that this addon's runtime is the version the grammar is used with.
#include "lib.c"
