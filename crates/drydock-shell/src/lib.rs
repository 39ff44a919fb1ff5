//! Shell commands in RUN, parsed with tree-sitter-bash into drydock's command model.
