"""Words, sentences and songs as vectors: a gensim-like vector store, loaders, GloVe, 3D projections and
skip-gram training; a BERT sentence encoder (``.bert``, ``.minilm``, ``.sentences``); songs (``.songs`` the
3-genre toy, ``.listening_world`` + ``.item2vec`` learned from playlists).

Import the submodules you need (``engines.embeddings.vectors``, ``.loaders``, ``.glove``,
``.projection``, ``.skipgram``, …); this package file stays light so nothing heavy loads early.
"""
