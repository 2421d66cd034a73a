(define (problem buy) (:domain shop) (:objects gala - apple hammer - tool market - place)
  (:init (at gala market) (at hammer market) (free)) (:goal (and (at gala home))))