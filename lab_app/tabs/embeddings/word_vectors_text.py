"""Words of the "Real word vectors in 3D" page: the labelled words, the vector sources and the explainer."""

LABELLED = ("king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "paris", "france", "rome",
            "italy", "berlin", "germany", "dog", "cat", "horse", "monday", "tuesday", "sunday", "red", "blue",
            "green", "apple", "bread", "doctor", "nurse", "teacher", "computer", "music", "old", "young")
SOURCES = {"shipped": "GloVe 6B 50d: 50,000 words (shipped)", "full": "GloVe 6B 50d: all 400,000 words",
           "learned": "Learned on the 'Learn vectors live' page", "file": "Open a vector file…"}
CLOUD_COLOUR, HIT_COLOUR, ANSWER_COLOUR, OFFSET_COLOUR = "#5b7db1", "#d62728", "#9467bd", "#2ca02c"

EXPLAINER = """
<p><b>Real vectors.</b> GloVe gave 400,000 English words 50 numbers each, learned from how often words
appear near each other in Wikipedia and news text; the app ships the 50,000 most common of them. Nobody chose
what the numbers mean. Words used in similar places end up with similar numbers, so <i>frog</i> lands near
<i>toad</i> and <i>paris</i> near <i>rome</i>.</p>
<p><b>Squeezing many numbers into 3.</b> A screen shows three directions, so we pick three and flatten the rest.
<i>PCA</i> picks the three directions in which the shown words spread out most. <i>Your axes</i> use directions
you name: man:woman points from man towards woman; each later axis is turned to be at right angles to the
earlier ones. Much is lost when flattening, so two words that look close here can still be far apart; the
lists beside the picture are worked out in all of each word's numbers.</p>
<p><b>Arithmetic.</b> king − man + woman lands nearest to queen once the three words you typed are left out;
counted in, king itself is the nearest point (the note above the answers gives the numbers). The step from man
to woman (green) and the step from king to queen point roughly the same way, not exactly: word arithmetic is a
rough guide, not a law. The scores are cosine similarities (1 = pointing the same way).
3CosAdd adds and subtracts the directions; 3CosMul multiplies similarities instead, which is sometimes better
when one word dominates.</p>
"""
