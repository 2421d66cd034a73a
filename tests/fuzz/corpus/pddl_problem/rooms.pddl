(define (problem p) (:domain rooms) (:objects kitchen attic - room b1 b2 - ball)
  (:init (robot hall) (at b1 hall) (at b2 hall) (lit kitchen))
  (:goal (and (forall (?b - ball) (imply (at ?b kitchen) (not (holding ?b)))) (exists (?b - ball) (at ?b kitchen)))))