import pytest


@pytest.fixture(autouse=True)
def _italian_by_default(settings):
    """Run every test in the product's default language unless it switches."""
    settings.LANGUAGE_CODE = "it"


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="mario", password="s3cret-pass")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", password="s3cret-pass", email="admin@example.org"
    )
