"""BibTeX for the paper and for every paper it is compared with (``ditrates cite``).

Each :class:`~ditrates.result.Result` names its entry by ``cite`` (the BibTeX key).

>>> print(bibtex("hu2024statistical").splitlines()[0])
@inproceedings{hu2024statistical,
"""

from __future__ import annotations

from collections.abc import Iterable

ENTRIES: dict[str, str] = {
    "hu2024statistical": """@inproceedings{hu2024statistical,
  title     = {On Statistical Rates and Provably Efficient Criteria of Latent Diffusion Transformers ({DiTs})},
  author    = {Hu, Jerry Yao-Chieh and Wu, Weimin and Li, Zhuoru and Pi, Sophia and Song, Zhao and Liu, Han},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS)},
  year      = {2024},
  eprint    = {2407.01079},
  archivePrefix = {arXiv}
}""",
    "chen2023score": """@inproceedings{chen2023score,
  title     = {Score Approximation, Estimation and Distribution Recovery of Diffusion Models on Low-Dimensional Data},
  author    = {Chen, Minshuo and Huang, Kaixuan and Zhao, Tuo and Wang, Mengdi},
  booktitle = {Proceedings of the 40th International Conference on Machine Learning (ICML)},
  series    = {PMLR},
  volume    = {202},
  pages     = {4672--4712},
  year      = {2023},
  eprint    = {2302.07194},
  archivePrefix = {arXiv}
}""",
    "oko2023diffusion": """@inproceedings{oko2023diffusion,
  title     = {Diffusion Models are Minimax Optimal Distribution Estimators},
  author    = {Oko, Kazusato and Akiyama, Shunta and Suzuki, Taiji},
  booktitle = {Proceedings of the 40th International Conference on Machine Learning (ICML)},
  year      = {2023},
  eprint    = {2303.01861},
  archivePrefix = {arXiv}
}""",
    "hu2025statistical": """@inproceedings{hu2025statistical,
  title     = {On Statistical Rates of Conditional Diffusion Transformers: Approximation, Estimation and Minimax
               Optimality},
  author    = {Hu, Jerry Yao-Chieh and Wu, Weimin and Lee, Yi-Chen and Huang, Yu-Chao and Chen, Minshuo and
               Liu, Han},
  booktitle = {International Conference on Learning Representations (ICLR)},
  year      = {2025},
  eprint    = {2411.17522},
  archivePrefix = {arXiv}
}""",
    "alman2023fast": """@inproceedings{alman2023fast,
  title     = {Fast Attention Requires Bounded Entries},
  author    = {Alman, Josh and Song, Zhao},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS)},
  year      = {2023},
  eprint    = {2302.13214},
  archivePrefix = {arXiv}
}""",
}
"""BibTeX entries by key; the first is the paper ditrates implements."""
PAPER_KEY = "hu2024statistical"


def bibtex(key: str) -> str:
    """The BibTeX entry called ``key``."""
    return ENTRIES[key]


def bibliography(keys: Iterable[str] | None = None) -> str:
    """The entries for ``keys`` (every entry when None), the paper first, each once."""
    keys = list(ENTRIES) if keys is None else list(dict.fromkeys([PAPER_KEY, *keys]))
    return "\n\n".join(ENTRIES[k] for k in keys)
