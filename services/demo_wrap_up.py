"""The demo's wrap-up Category / Subcategory pairs, with the optional descriptions and examples that help the
chatbot classifier (services/chatbot/classifier.py) tell them apart. Managers edit them on /settings/wrap-up.
The evaluation (bench/chatbot_eval.py) classifies against exactly these."""

from __future__ import annotations

from services.chatbot.classifier import CategoryText

WRAP_UP = (
    CategoryText("Order", "Cancellation",
                 "The customer wants to cancel an order, or part of it, before it ships; stop or void a purchase.",
                 "Please cancel my order\nI ordered by mistake and want to cancel it\n"
                 "Can I stop the order before it is dispatched?\nRemove one item from my order, I changed my mind"),
    CategoryText("Order", "Delivery status",
                 "Where a parcel is: shipping, tracking number, carrier, late, lost or missing delivery, "
                 "when it will arrive.",
                 "Where is my package?\nMy tracking has not moved for days\nWhen will my order arrive?\n"
                 "The courier says delivered but I have nothing"),
    CategoryText("Order", "Return",
                 "Sending items back: return label, refund, exchange, wrong or damaged item received, "
                 "return window and policy.",
                 "I want to return the shoes\nHow do I get a refund?\nThe item arrived broken, can I send it back?\n"
                 "Can I exchange this for another colour?"),
    CategoryText("Order", "Change request",
                 "Changing an order that is not shipped yet: shipping address, quantity, colour, size swap, "
                 "add an item, gift wrap, delivery option.",
                 "Can I change the delivery address on my order?\nPlease switch the colour before it ships\n"
                 "Add gift wrapping to my purchase\nUpgrade to express shipping"),
    CategoryText("Product", "Availability",
                 "Whether a product is in stock, back in stock, restocked, sold out, or sold in a store nearby; "
                 "pre-orders and new collections.",
                 "Is the linen dress in stock?\nWhen will the sunglasses be back?\nDo you sell this in stores?\n"
                 "It says sold out, will you restock?"),
    CategoryText("Product", "Sizing",
                 "Which size to pick: size chart, fit, measurements, runs small or large, length, width.",
                 "What size should I order?\nDo these boots run small?\nIs there a size guide?\n"
                 "I am between two sizes, which fits better?"),
    CategoryText("Product", "Care instructions",
                 "How to wash, clean, dry, iron, store or look after a product and its material; stains, "
                 "shrinking, fading.",
                 "Can I machine wash the scarf?\nHow do I clean suede?\nWill it shrink in the dryer?\n"
                 "How do I get a stain out of linen?"),
    CategoryText("Account", "Sign-in help",
                 "Cannot log in or sign in to the website account: forgotten or reset password, locked account, "
                 "verification code, login email.",
                 "I forgot my password\nThe reset link does not work\nMy account is locked\n"
                 "I cannot log in to my account"),
    CategoryText("Account", "Profile update",
                 "Changing details saved in the account profile: name, email address, phone number, saved "
                 "address, marketing preferences, newsletter, delete account.",
                 "Update my phone number\nChange the email on my account\nUnsubscribe me from the newsletter\n"
                 "Please correct the spelling of my name"),
    CategoryText("General", "Feedback",
                 "Praise, complaints or suggestions about the shop, the service, the website or the staff.",
                 "Your staff were lovely\nThe website is hard to use\nI want to make a complaint about the service\n"
                 "Just wanted to say I love the new collection"),
    CategoryText("General", "Other",
                 "Anything else: gift cards, store opening hours, jobs, partnerships, loyalty points, "
                 "payment methods, vouchers.",
                 "What are your opening hours?\nDo you sell gift cards?\nHow do loyalty points work?\n"
                 "Do you accept PayPal?"),
)
