from lab_app.tabs.spec import PageSpec, TabSpec

TAB = TabSpec(
    key="embeddings",
    title="Embeddings",
    summary="Words, sentences and songs as lists of numbers you can add and subtract.",
    pages=(
        PageSpec("three-numbers", "A 3-number universe", "Describe words with three numbers and do king − man + woman.",
                 factory="lab_app.tabs.embeddings.three_numbers_page:ThreeNumbersPage"),
        PageSpec("word-vectors", "Real word vectors in 3D", "Real GloVe vectors, squeezed to 3D by PCA or by axes you "
                 "choose.", factory="lab_app.tabs.embeddings.word_vectors_page:WordVectorsPage"),
        PageSpec("learn-vectors", "Learn vectors live", "Watch word vectors move as a skip-gram model reads a story.",
                 factory="lab_app.tabs.embeddings.learn_vectors_page:LearnVectorsPage"),
        PageSpec("sentences", "Sentences as vectors", "A sentence encoder turns each sentence into one vector: "
                 "similar meanings point the same way.",
                 factory="lab_app.tabs.embeddings.sentences_page:SentencesPage"),
        PageSpec("songs", "Songs as vectors", "Songs as points; your taste is the average of your songs, and the "
                 "nearest songs are recommended.", factory="lab_app.tabs.embeddings.songs_page:SongsPage"),
    ),
)
