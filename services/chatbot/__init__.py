"""Chatbot transcripts: a retailer's bot posts a finished conversation (POST /api/chatbot/transcripts); a valid
one becomes a closed interaction, on the customer's open case or on a new closed case of origin `chatbot`,
with a summary, a sentiment and a category, all computed on this machine (no remote service, nothing
downloaded at run time). The same classifier suggests the category in Wrap Up.

- `words`: tokens, a light stemmer, stop words and greetings shared by the parts below;
- `validity`: whether a conversation is worth a case, and why not;
- `sentiment`: VADER over the customer's turns, later turns weighing more;
- `summary`: extractive, sentences split by pysbd;
- `classifier`: TF-IDF nearest wrap-up category, or nothing below a confidence threshold (measured against
  wordllama embeddings in bench/chatbot_eval.py, which kept TF-IDF);
- `analysis`: the three together, with the method and versions stored beside every result;
- `transcripts`: the endpoint's service: check, store once, analyse.

Nothing here imports reflex.
"""
