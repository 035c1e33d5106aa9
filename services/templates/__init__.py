"""Response templates: an agent's own custom responses and the organization's base templates, offered in the
inbox as quick-response chips and through Search templates (seed: "Response Template Gear", "Message Tools").

- `store`: create, edit, delete, with ownership and the unique-name rule;
- `listing`: what the popup, the chips and the managers' page show, in display sequence;
- `search`: typo-tolerant ranking over name and body;
- `variables`: {customer_first_name}, {agent_first_name}, {organization}, filled when a template is used.
"""

GRANT = "manage_templates"  # managers: every agent's custom templates and the base templates
