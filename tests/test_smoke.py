def test_world_builds(world):
    assert world.private.member_count == 3
    assert world.requester.handle == "requester"
