// The compiled addon (see flat.c); loading throws when it was not built.
module.exports = require("./build/Release/tree_flat.node");
