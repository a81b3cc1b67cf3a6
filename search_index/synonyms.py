"""The project's default synonym groups: each group lists words or phrases that mean the same."""

# Each inner tuple is one group of equivalents. A query containing any member (a phrase counts
# when its words appear consecutively) matches documents containing any member of the group.
# Keep groups narrow: every member widens recall for all the others.
DEFAULT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("vc", "venture capital", "venture capitalist"),
    ("angel", "business angel", "angel investor"),
    ("loan", "debt finance", "debt"),
    ("r&d", "research and development", "innovation"),
    ("grant", "funding award"),
    ("mentor", "mentoring", "coaching", "advice"),
    ("startup", "start-up", "start up"),
    ("incubator", "incubation"),
    ("export", "international trade"),
    ("workspace", "office space", "co-working", "coworking"),
    ("crowdfunding", "crowd funding"),
    ("ai", "artificial intelligence", "machine learning"),
    ("medtech", "medical technology"),
    ("fintech", "financial technology"),
    ("cleantech", "clean technology", "net zero"),
    ("accelerator", "acceleration programme"),
    ("equity", "equity investment", "equity finance"),
    ("seed", "pre-seed", "seed funding"),
    ("sme", "small business", "small and medium-sized enterprise"),
    ("university", "academic", "higher education"),
    ("ip", "intellectual property", "patent"),
    ("training", "skills"),
    ("competition", "award", "prize"),
)
