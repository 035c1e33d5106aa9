"""Files customers and agents exchange on chat, SMS and WhatsApp: the rules per channel, the check by content,
storage outside the public upload folder, thumbnails, staging until Send, and who may fetch them."""
