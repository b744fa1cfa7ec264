"""What every HESA reader here shares: the licence and attribution, HESA's rounding, the error."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Text to show wherever figures from this plugin appear (CC BY 4.0 attribution required by HESA).
ATTRIBUTION = (
    "Contains HESA Data: Copyright Higher Education Statistics Agency Limited. HESA cannot accept "
    "responsibility for any inferences or conclusions derived by third parties from its data."
)
LICENCE = "Creative Commons Attribution 4.0 (CC BY 4.0)"

#: HESA rounds every published count to the nearest multiple of this.
ROUNDED_TO = 5

#: The two labels of SOC major group 3: SOC2010 (the Scottish extract) and SOC2020 (DT025, 2025
#: release). HESA pads them with trailing spaces in some blocks; compare after stripping.
SOC3_LABELS = ("Associate professional and technical occupations", "Associate professional occupations")


class HesaFormatError(ValueError):
    """A HESA file is not the table techbench expects; the message names the file and line."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}, line {line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")
