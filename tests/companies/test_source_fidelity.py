"""Items that had drifted from the documents: Replit's prompt as its own item, the
Hugging Face deployment budget, and the fine-tuning mock's verdict."""

from __future__ import annotations

import re

from companies.models import Company, Question
from scoring.examples_loader import EXAMPLES_DIR, examples_load
from scoring.models import Grade


def test_replit_has_its_own_signature_item(bank):
    replit = Question.objects.get(slug="signature-replit-execution-sandbox")
    assert replit.collection == "company-signature" and replit.type == "design"
    assert list(replit.companies.values_list("slug", flat=True)) == ["cursor-replit"]
    assert len(replit.hints) >= 3 and replit.solution and len(replit.red_flags) >= 3
    assert "isolated" in replit.prompt and "as it is produced" in replit.prompt
    company = Company.objects.get(slug="cursor-replit")
    assert company.signature_question.slug == "signature-cursor-replit-context-manager"
    assert set(company.questions.filter(collection="company-signature")
               .values_list("slug", flat=True)) == {
        "signature-cursor-replit-context-manager", "signature-replit-execution-sandbox"}


def test_cursors_item_no_longer_carries_replits_prompt(bank):
    cursor = Question.objects.get(slug="signature-cursor-replit-context-manager")
    assert cursor.title.startswith("Cursor:")
    assert "sandbox" not in cursor.solution.lower()
    assert not any("(Replit)" in flag for flag in cursor.red_flags)


def test_the_hugging_face_budget_adds_up(bank):
    solution = Question.objects.get(slug="signature-hugging-face-inference-endpoints").solution
    budget = " ".join(solution.split("**Budget")[1].split("\n\n")[0].split())
    steps = [int(n) for n in re.findall(r"~(\d+) s", budget)]
    low = sum(steps) + 120
    high = sum(steps) + 150
    assert (low, high) == (215, 245)
    assert "215-245 s" in budget and "about 3.6-4.1 minutes" in budget
    assert "4-4.5 minutes" not in solution


def test_the_fine_tuning_mock_gives_the_documents_verdict(bank):
    examples_load(EXAMPLES_DIR)
    reference = Grade.objects.get(example__slug="multi-tenant-fine-tuning",
                                  kind=Grade.Kind.REFERENCE)
    assert (reference.qualifier, reference.level) == ("strong", "IC5")
    assert reference.swing.startswith("Borderline IC6")
