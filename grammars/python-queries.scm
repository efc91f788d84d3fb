; tree-sitter queries over the pinned tree-sitter-python grammar (package.json pins its exact version).
; src/frontend/queries.ts finds the same as walks over the mirrored tree; test/queries.test.ts fails if a pattern stops
; compiling, and test/frontend-syntax.test.ts if a walk and its query disagree.

; Module-level function definitions, decorated or not: candidate model builders.
(module
  (function_definition
    name: (identifier) @builder.name
    parameters: (parameters) @builder.parameters) @builder)
(module
  (decorated_definition
    definition: (function_definition
      name: (identifier) @builder.name
      parameters: (parameters) @builder.parameters) @builder))

; Parameters without a default value (a builder needs none of them).
(parameters (identifier) @parameter.required)
(parameters (typed_parameter . (identifier) @parameter.required))

; What skipped code could do to a model: call something, or rebind a name.
(call function: (_) @effect.callee)
(assignment left: (_) @effect.target)
(augmented_assignment left: (_) @effect.target)
