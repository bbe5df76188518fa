"""Words as vectors: a gensim-like vector store, loaders, GloVe, 3D projections and skip-gram training.

Import the submodules you need (``engines.embeddings.vectors``, ``.loaders``, ``.glove``,
``.projection``, ``.skipgram``); this package file stays light so nothing heavy loads early.
"""
