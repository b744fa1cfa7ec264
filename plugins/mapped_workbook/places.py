"""A mapping file's YAML as plain data, with where each part of it is (for messages by line)."""

from __future__ import annotations

from typing import Any

import yaml

#: Nodes of one YAML file; a mapping needs a few hundred (the bound stops alias "bombs").
MAX_NODES = 20_000


class Nodes:
    """Where each part of the YAML is: path -> (key node, value node)."""

    def __init__(self) -> None:
        self.at: dict[tuple, tuple[yaml.Node | None, yaml.Node]] = {}

    def mark(self, path: tuple, prefer_key: bool = False) -> yaml.Mark | None:
        while path not in self.at and path:
            path = path[:-1]
        if path not in self.at:
            return None
        key_node, value_node = self.at[path]
        node = key_node if (prefer_key and key_node is not None) else value_node
        return node.start_mark

    def line(self, path: tuple) -> int:
        mark = self.mark(path, prefer_key=True)
        return mark.line + 1 if mark else 0

    def place(self, path: tuple) -> tuple[int, int]:
        mark = self.mark(path, prefer_key=True)
        return (mark.line + 1, mark.column + 1) if mark else (0, 0)


class Broken(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node, self.message = node, message


def yaml_data(node: yaml.Node, path: tuple, nodes: Nodes, budget: list[int]) -> Any:
    """The YAML as plain data, every scalar kept as the text written (so 'NO', '1.0' and 'on' stay
    text), with each part's place recorded in ``nodes``."""
    budget[0] -= 1
    if budget[0] < 0:
        raise Broken(node, "the file is far larger than a mapping needs (or repeats parts through aliases)")
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise Broken(key_node, "a key must be a plain name, not a list or a mapping")
            name = key_node.value
            if name in result:
                first = nodes.at[path + (name,)][0]
                raise Broken(key_node, f"'{name}' is given twice (first on line {first.start_mark.line + 1}); "
                                        "keep one")
            nodes.at[path + (name,)] = (key_node, value_node)
            result[name] = yaml_data(value_node, path + (name,), nodes, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            nodes.at[path + (i,)] = (None, item)
            items.append(yaml_data(item, path + (i,), nodes, budget))
        return items
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return node.value
