"""An entity's ties drawn as a graph: the entity in the middle, the others around it.

Pure geometry, no database and no JavaScript: the portal's template turns the result into SVG
on the server, so the graph reads the same with scripts off and needs no library from a CDN.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 520
RADIUS = 185
NODE_RADIUS = 11
CENTRE_RADIUS = 16
# Beyond this many neighbours the drawing stops being readable; the list beside it has all.
MAX_NEIGHBOURS = 18
_LABEL_LINE = 20  # characters on a line of a node's label
_LABEL_GAP = 16
_LINE_HEIGHT = 14  # of a label's lines, in the SVG's units (12px type)


@dataclass(frozen=True)
class GraphEntity:
    pk: int
    name: str
    slug: str
    kind: str


@dataclass(frozen=True)
class Tie:
    """subject —kind→ object, `kind` already as a reader reads it ("backed by")."""

    subject: GraphEntity
    kind: str
    object: GraphEntity


@dataclass(frozen=True)
class GraphNode:
    entity: GraphEntity
    x: float
    y: float
    r: int
    label_lines: tuple[str, ...]
    label_x: float
    label_y: float
    anchor: str  # text-anchor of the label: start, middle or end
    centre: bool


@dataclass(frozen=True)
class GraphEdge:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    label_x: float
    label_y: float
    arrow_end: bool  # arrow at (x2, y2): the neighbour is the object
    arrow_start: bool  # arrow at (x1, y1): the entity is the object


@dataclass(frozen=True)
class EgoGraph:
    width: int
    height: int
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    description: str
    not_drawn: int

    @property
    def neighbours(self) -> int:
        return len(self.nodes) - 1


def _wrap(name: str) -> tuple[str, ...]:
    """At most two lines; a longer name ends in an ellipsis (the full name is in the list)."""
    lines: list[str] = []
    current = ""
    for word in name.split():
        if current and len(current) + 1 + len(word) > _LABEL_LINE:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1] + "…"]
    return tuple(
        line if len(line) <= _LABEL_LINE + 1 else line[:_LABEL_LINE] + "…" for line in lines
    )


def ego_graph(centre: GraphEntity, ties: Sequence[Tie]) -> EgoGraph:
    """Lay the entity's ties out around it, one node per neighbour, one edge per neighbour
    (several ties to one neighbour share an edge and its label), neighbours ordered by name."""
    by_neighbour: dict[int, tuple[GraphEntity, list[str], bool, bool]] = {}
    for tie in ties:
        outgoing = tie.subject.pk == centre.pk
        other = tie.object if outgoing else tie.subject
        entity, kinds, to_other, to_centre = by_neighbour.get(other.pk, (other, [], False, False))
        if tie.kind not in kinds:
            kinds.append(tie.kind)
        by_neighbour[other.pk] = (entity, kinds, to_other or outgoing, to_centre or not outgoing)
    ordered = sorted(by_neighbour.values(), key=lambda item: item[0].name.casefold())
    drawn = ordered[:MAX_NEIGHBOURS]
    cx, cy = WIDTH / 2, HEIGHT / 2
    nodes = [
        GraphNode(
            centre,
            cx,
            cy,
            CENTRE_RADIUS,
            _wrap(centre.name),
            cx,
            cy + CENTRE_RADIUS + _LABEL_GAP,
            "middle",
            True,
        )
    ]
    edges: list[GraphEdge] = []
    for index, (entity, kinds, to_other, to_centre) in enumerate(drawn):
        # Start at the top and go clockwise.
        angle = -math.pi / 2 + 2 * math.pi * index / len(drawn)
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = cx + RADIUS * cos, cy + RADIUS * sin
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        label_distance = NODE_RADIUS + 6
        lines = _wrap(entity.name)
        label_y = y + label_distance * sin + (4 if sin >= 0 else -4)
        if sin < -0.3:
            # Above the node the lines must end above it: start them higher.
            label_y -= (len(lines) - 1) * _LINE_HEIGHT
        nodes.append(
            GraphNode(
                entity,
                round(x, 1),
                round(y, 1),
                NODE_RADIUS,
                lines,
                round(x + label_distance * cos, 1),
                round(label_y, 1),
                anchor,
                False,
            )
        )
        # The line runs from the rim of one circle to the rim of the other.
        x1, y1 = cx + CENTRE_RADIUS * cos, cy + CENTRE_RADIUS * sin
        x2, y2 = x - (NODE_RADIUS + 3) * cos, y - (NODE_RADIUS + 3) * sin
        edges.append(
            GraphEdge(
                round(x1, 1),
                round(y1, 1),
                round(x2, 1),
                round(y2, 1),
                "; ".join(kinds),
                round(cx + RADIUS * 0.55 * cos, 1),
                round(cy + RADIUS * 0.55 * sin, 1),
                to_other,
                to_centre,
            )
        )
    sentences = [
        f"{tie.subject.name} {tie.kind} {tie.object.name}."
        for tie in sorted(ties, key=lambda tie: (tie.subject.name, tie.kind, tie.object.name))
    ]
    description = (
        f"{centre.name} and the {len(ordered)} entit{'y' if len(ordered) == 1 else 'ies'} "
        f"it is tied to. " + " ".join(sentences)
    )
    return EgoGraph(
        WIDTH,
        HEIGHT,
        tuple(nodes),
        tuple(edges),
        description,
        len(ordered) - len(drawn),
    )
