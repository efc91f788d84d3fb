import Python from "tree-sitter-python";
const info = Python.nodeTypeInfo;
console.log(info.length, info.filter(t=>t.named && t.fields && Object.keys(t.fields).length).length, info.filter(t=>t.named && !(t.fields && Object.keys(t.fields).length) && !t.subtypes).map(t=>t.type).join(" "));
